// Loads the transaction-set specs from specs/x12/<version>/: checks each file against its JSON Schema,
// merges each version's dictionary (following "extends"), and compiles the set files. Every problem comes
// back as a line naming the file, so a spec author sees all of them at once.
import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import type { DictionaryFile, SetSpecFile } from '../x12/spec/format.ts';
import {
  compileSet,
  mergeDictionaries,
  type CompiledSet,
  type Dictionary,
  type NamedFile,
} from '../x12/spec/compile.ts';
import { SpecRegistry } from '../x12/spec/registry.ts';

export const DEFAULT_SPECS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../specs');

export interface LoadedSpecs {
  registry: SpecRegistry;
  dictionaries: Map<string, Dictionary>;
  /** Raw set files by "version/set", for overlays and tooling. */
  files: Map<string, SetSpecFile>;
  errors: string[];
}

function readJson(path: string, root: string, errors: string[]): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    errors.push(`${relative(root, path)}: ${(e as Error).message}`);
    return undefined;
  }
}

function schemaErrors(validate: ValidateFunction, data: unknown, name: string): string[] {
  if (validate(data)) return [];
  return (validate.errors ?? [])
    .slice(0, 10)
    .map((e) => `${name}: ${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
}

export function loadSpecs(dir: string = DEFAULT_SPECS_DIR): LoadedSpecs {
  const errors: string[] = [];
  const root = dirname(dir);
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  const schemaDir = join(dir, 'schema');
  const validateDictionary = ajv.compile(
    readJson(join(schemaDir, 'dictionary.schema.json'), root, errors) as object,
  );
  const validateSet = ajv.compile(readJson(join(schemaDir, 'set.schema.json'), root, errors) as object);

  const x12 = join(dir, 'x12');
  const versions = existsSync(x12)
    ? readdirSync(x12)
        .filter((v) => /^\d{6}$/.test(v) && statSync(join(x12, v)).isDirectory())
        .sort()
    : [];

  const rawDictionaries = new Map<string, NamedFile<DictionaryFile>[]>();
  for (const version of versions) {
    const ddir = join(x12, version, 'dictionary');
    const files: NamedFile<DictionaryFile>[] = [];
    if (existsSync(ddir)) {
      for (const f of readdirSync(ddir)
        .filter((n) => n.endsWith('.json'))
        .sort()) {
        const path = join(ddir, f);
        const name = relative(root, path);
        const data = readJson(path, root, errors);
        if (data === undefined) continue;
        const problems = schemaErrors(validateDictionary, data, name);
        if (problems.length > 0) errors.push(...problems);
        else files.push({ name, content: data as DictionaryFile });
      }
    }
    rawDictionaries.set(version, files);
  }

  const dictionaries = new Map<string, Dictionary>();
  const building = new Set<string>();
  const build = (version: string): Dictionary | undefined => {
    const done = dictionaries.get(version);
    if (done) return done;
    const files = rawDictionaries.get(version);
    if (!files) return undefined;
    if (building.has(version)) {
      errors.push(`specs/x12/${version}/dictionary: "extends" forms a cycle`);
      return undefined;
    }
    building.add(version);
    const parents = new Set(files.map((f) => f.content.extends).filter((p): p is string => p !== undefined));
    if (parents.size > 1)
      errors.push(
        `specs/x12/${version}/dictionary: files extend different versions (${[...parents].join(', ')})`,
      );
    const parentVersion = [...parents][0];
    let parent: Dictionary | undefined;
    if (parentVersion !== undefined) {
      parent = build(parentVersion);
      if (!parent)
        errors.push(`specs/x12/${version}/dictionary: extends ${parentVersion}, which has no dictionary`);
    }
    const merged = mergeDictionaries(version, files, parent);
    errors.push(
      ...merged.errors.map((e) =>
        e.includes(': ') && e.startsWith('specs/') ? e : `specs/x12/${version}/dictionary: ${e}`,
      ),
    );
    dictionaries.set(version, merged.dictionary);
    building.delete(version);
    return merged.dictionary;
  };

  const compiled: CompiledSet[] = [];
  const files = new Map<string, SetSpecFile>();
  for (const version of versions) {
    const dictionary = build(version);
    const vdir = join(x12, version);
    for (const f of readdirSync(vdir)
      .filter((n) => /^\d{3}\.json$/.test(n))
      .sort()) {
      const path = join(vdir, f);
      const name = relative(root, path);
      const data = readJson(path, root, errors);
      if (data === undefined) continue;
      const problems = schemaErrors(validateSet, data, name);
      if (problems.length > 0) {
        errors.push(...problems);
        continue;
      }
      const file = data as SetSpecFile;
      if (file.version !== version || `${file.set}.json` !== f) {
        errors.push(
          `${name}: declares set ${file.set} version ${file.version}, which does not match its path`,
        );
        continue;
      }
      if (!dictionary) {
        errors.push(`${name}: version ${version} has no dictionary`);
        continue;
      }
      files.set(`${version}/${file.set}`, file);
      const result = compileSet(file, dictionary);
      errors.push(...result.errors.map((e) => `${name}: ${e}`));
      if (result.spec) compiled.push(result.spec);
    }
  }
  return { registry: new SpecRegistry(compiled), dictionaries, files, errors: [...new Set(errors)] };
}
