// Jest's test sequencer with one change: the `image` project's tests run last, so that the image
// build started by test/image/build-in-background.mjs overlaps every other suite.
import Sequencer from '@jest/test-sequencer';

export default class ImageLast extends Sequencer {
  async sort(tests) {
    const sorted = await super.sort(tests);
    const image = (t) => t.context.config.displayName?.name === 'image';
    return [...sorted.filter((t) => !image(t)), ...sorted.filter(image)];
  }
}
