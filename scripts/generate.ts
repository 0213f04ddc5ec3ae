/**
 * Generates the Prisma client (src/generated/prisma) and the resolver types from
 * schema.graphql (src/generated/graphql.ts). Runs after install and before build and test.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { codegen } from '@graphql-codegen/core';
import * as typescriptPlugin from '@graphql-codegen/typescript';
import * as resolversPlugin from '@graphql-codegen/typescript-resolvers';
import { buildSchema, parse, printSchema } from 'graphql';

const root = path.resolve(__dirname, '..');

function generatePrisma(): void {
  // `prisma generate` never runs the schema engine, but the CLI insists that one exists and
  // would download it otherwise; any executable satisfies the check on offline machines.
  const env = { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY || '/bin/true' };
  const bin = path.join(root, 'node_modules', '.bin', 'prisma');
  execFileSync(bin, ['generate'], { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });
}

async function generateResolverTypes(): Promise<void> {
  const schema = buildSchema(fs.readFileSync(path.join(root, 'schema.graphql'), 'utf8'));
  const output = await codegen({
    filename: 'src/generated/graphql.ts',
    schema: parse(printSchema(schema)),
    documents: [],
    plugins: [{ typescript: {} }, { typescriptResolvers: {} }],
    pluginMap: { typescript: typescriptPlugin, typescriptResolvers: resolversPlugin },
    config: {
      contextType: '../context#Context',
      useTypeImports: true,
      enumsAsTypes: true,
      scalars: { DateTime: 'Date', JSON: 'unknown' },
      mappers: {
        User: './prisma/client#User as UserModel',
        Item: './prisma/client#Item as ItemModel',
        Interaction: './prisma/client#Interaction as InteractionModel',
        ModelVersion: './prisma/client#ModelVersion as ModelVersionModel',
        TrainingRun: './prisma/client#TrainingRun as TrainingRunModel',
        RecommendationReason: '../recommender/types#ItemReason',
      },
      avoidOptionals: { field: true, inputValue: false, object: false, defaultValue: false },
      maybeValue: 'T | null',
      inputMaybeValue: 'T | null | undefined',
    },
  });
  fs.mkdirSync(path.join(root, 'src', 'generated'), { recursive: true });
  fs.writeFileSync(path.join(root, 'src', 'generated', 'graphql.ts'), `/* eslint-disable */\n// Generated from schema.graphql by scripts/generate.ts. Do not edit.\n${output}`);
}

generatePrisma();
generateResolverTypes().catch((error) => {
  console.error(error);
  process.exit(1);
});
