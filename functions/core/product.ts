/** The product's name: the prefix of its user agent and of the attributes it adds to messages. */
export const PRODUCT_NAME = 'swarm-send';

/** The product's version, as `swarm-send --version` prints it (package.json's; a test keeps them equal). */
export const PRODUCT_VERSION = '0.2.0';

/** The User-Agent of every request to a Swarm node: the name and the major.minor version. */
export const USER_AGENT = `${PRODUCT_NAME}/${PRODUCT_VERSION.split('.').slice(0, 2).join('.')}`;
