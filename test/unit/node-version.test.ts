describe('runtime', () => {
  it('runs the tests on Node 24, the version the project pins', () => {
    expect(process.versions.node.split('.')[0]).toBe('24');
  });
});
