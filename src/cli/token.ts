/** `npm run token -- --user <id> [--admin] [--expires 12h]`: mints a development JWT with JWT_SECRET. */
import { mintToken } from '../auth';
import { ConfigError, loadConfig } from '../config';
import { parseGlobalId } from '../graphql/ids';
import { parseCommand } from './args';
import { exitOnError } from './errors';

async function main() {
  const { values, usageError } = parseCommand({
    command: 'npm run token --',
    summary: 'Prints a development JWT for a user, signed with JWT_SECRET (HS256).',
    options: {
      user: { type: 'string', value: 'ID', required: true, help: 'the user: a numeric id or a global id (VXNlcjox)' },
      admin: { type: 'boolean', help: 'give the token the ADMIN role' },
      expires: { type: 'string', value: 'SPAN', default: '12h', help: 'lifetime: 30m, 12h, 7d, ...' },
    },
  });
  const globalId = parseGlobalId(values.user);
  const numeric = /^\d+$/.test(values.user) ? Number(values.user) : globalId?.type === 'User' ? Number(globalId.id) : NaN;
  if (!Number.isSafeInteger(numeric) || numeric <= 0) throw usageError(`--user must be a user id or a global user id (not "${values.user}")`);
  const config = loadConfig();
  if (!config.jwtSecret) throw new ConfigError('JWT_SECRET is not set (tokens from a JWKS provider cannot be minted here)');
  const token = await mintToken(config.jwtSecret, numeric, { admin: values.admin, expiresIn: values.expires }).catch((error: unknown) => {
    // jose's only complaint about its input here is the lifetime's format.
    throw error instanceof TypeError ? usageError(`--expires: ${error.message} (not "${values.expires}")`) : error;
  });
  console.log(token);
}

main().catch(exitOnError);
