// Prisma CLI configuration. Only `prisma generate` runs on these machines; migrations are
// applied by src/db/migrate.ts, which reads the same folder.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres' },
});
