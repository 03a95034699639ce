// `npm test` starts here: the project runs on Node 24 (the `node` devDependency puts it first on
// npm's PATH). Fail loudly if something else is running the scripts.
const major = Number(process.versions.node.split('.')[0]);
console.log(`node --version: ${process.version}`);
if (major !== 24) {
  console.error(
    `swarm-send needs Node 24; this is ${process.version}. Run \`npm ci\` (it installs Node 24 as a devDependency) or \`nvm use\`.`,
  );
  process.exit(1);
}
