/** `npm run token -- --user <id> [--admin]`: mints a development JWT with JWT_SECRET. */
import { parseArgs } from 'node:util';
import { mintToken } from '../auth';
import { loadConfig } from '../config';
import { parseGlobalId } from '../graphql/ids';

async function main() {
  const { values } = parseArgs({
    options: { user: { type: 'string' }, admin: { type: 'boolean', default: false }, expires: { type: 'string', default: '12h' } },
  });
  if (!values.user) throw new Error('Usage: npm run token -- --user <id | global id> [--admin] [--expires 12h]');
  const numeric = /^\d+$/.test(values.user) ? Number(values.user) : Number(parseGlobalId(values.user)?.id);
  if (!Number.isSafeInteger(numeric) || numeric <= 0) throw new Error(`Not a user id: ${values.user}`);
  const config = loadConfig();
  if (!config.jwtSecret) throw new Error('JWT_SECRET is not set (tokens from a JWKS provider cannot be minted here)');
  console.log(await mintToken(config.jwtSecret, numeric, { admin: values.admin, expiresIn: values.expires }));
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
