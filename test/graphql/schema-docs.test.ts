/** GraphiQL's docs pane is the API's manual: every named thing in schema.graphql carries a description. */
import fs from 'node:fs';
import path from 'node:path';
import {
  buildSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isScalarType,
  isSpecifiedScalarType,
} from 'graphql';

/** Every type, field, argument, enum value and input field without a description, as a path. */
function undocumented(sdl: string): string[] {
  const schema = buildSchema(sdl);
  const missing: string[] = [];
  const need = (description: string | null | undefined, where: string) => {
    if (!description?.trim()) missing.push(where);
  };
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__') || (isScalarType(type) && isSpecifiedScalarType(type))) continue;
    need(type.description, type.name);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        need(field.description, `${type.name}.${field.name}`);
        for (const arg of field.args) need(arg.description, `${type.name}.${field.name}(${arg.name})`);
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) need(field.description, `${type.name}.${field.name}`);
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) need(value.description, `${type.name}.${value.name}`);
    }
  }
  return missing;
}

describe('schema.graphql descriptions', () => {
  it('finds what is missing', () => {
    expect(undocumented('"A thing." type Query { "Documented." a(x: Int): Int b: Int } enum E { "Yes." Y N }')).toEqual([
      'Query.a(x)',
      'Query.b',
      'E',
      'E.N',
    ]);
  });

  it('describes every type, field, argument, enum value and input field', () => {
    const sdl = fs.readFileSync(path.resolve(__dirname, '../../schema.graphql'), 'utf8');
    expect(undocumented(sdl)).toEqual([]);
  });
});
