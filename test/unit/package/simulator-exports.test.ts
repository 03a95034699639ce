import * as simulator from '../../../simulator/index.js';

describe('swarm-send/simulator', () => {
  it('exports the simulator and its constants, and nothing of the command line', () => {
    expect(Object.keys(simulator).sort()).toStrictEqual([
      'ADMIN_REALM',
      'DEFAULT_SERVER_VERSION',
      'SIM_DEFAULT_ADMIN',
      'startSimulator',
    ]);
  });
});
