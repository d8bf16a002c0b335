// A partner's CSV mapping (the `csv:` list of partners/<id>.yaml, schema in partners/schema.json): which
// files it reads, how their text is written, and which column fills which canonical field. checkCsvMapping
// finds what the schema cannot: field names against the document type, columns against the header setting,
// date formats, constants that are not values of their field.
import picomatch from 'picomatch';
import { CSV_FIELDS, DOCUMENT_NOUNS, type CsvDocumentType, type CsvFieldInfo } from './fields.ts';
import { compileDateFormat, readValue, type NumberFormat } from './values.ts';
import { editDistance } from './edit-distance.ts';

export type CsvEncoding = 'utf-8' | 'utf-16' | 'latin1' | 'windows-1252' | 'iso-8859-15';

/** A column by its name in the header row, or by its 1-based position when the file has none. */
export type CsvColumn = string | number;

/** A field filled from a column (with a value for empty cells, if given) or set to a constant. */
export type CsvFieldSource = { column: CsvColumn; default?: string } | { value: string };

export interface CsvMapping {
  /** Unique among the partner's mappings; documents name it in their source. */
  name: string;
  produces: CsvDocumentType;
  /** Globs (`*`, `?`, `[abc]`, case-insensitive) on the file name; the first mapping that matches reads
   * it. */
  files: string[];
  delimiter: string;
  quote: string;
  encoding: CsvEncoding;
  /** The first row (after skipLines) names the columns; without it, columns are numbered from 1. */
  headerRow: boolean;
  /** Lines before the header (or the first row) that are not part of the table: titles, export notes. */
  skipLines: number;
  /** Tried in order: `MM/DD/YYYY`, `YYYYMMDD`, `DD.MM.YY`. */
  dateFormats: string[];
  decimalSeparator: NumberFormat['decimalSeparator'];
  thousandsSeparator: NumberFormat['thousandsSeparator'];
  /** Rows with equal values in these columns make one document. */
  groupBy: CsvColumn[];
  /** Fields of the document, taken from the first row of its group. */
  documentFields: Record<string, CsvFieldSource>;
  /** Fields of each line, one line per row. */
  lineFields: Record<string, CsvFieldSource>;
}

/** As the schema leaves it: field sources may still be shorthands, constants may be numbers. */
export interface RawCsvMapping extends Omit<CsvMapping, 'documentFields' | 'lineFields'> {
  documentFields: Record<string, RawFieldSource>;
  lineFields: Record<string, RawFieldSource>;
}

export type RawFieldSource =
  CsvColumn | { column: CsvColumn; default?: string | number } | { value: string | number };

/** A problem at a path inside the mapping; `key` when it is about a key of that path, not its value. */
export interface MappingProblem {
  path: (string | number)[];
  message: string;
  key?: string;
}

/** The mapping with its shorthands expanded, and everything wrong with it. */
export function checkCsvMapping(raw: RawCsvMapping): { mapping: CsvMapping; problems: MappingProblem[] } {
  const problems: MappingProblem[] = [];
  const noun = DOCUMENT_NOUNS[raw.produces];
  const fields = CSV_FIELDS[raw.produces];

  if (raw.delimiter === raw.quote) {
    problems.push({ path: ['quote'], message: `is the delimiter too; they must differ` });
  }
  if (/[\r\n]/.test(raw.delimiter)) problems.push({ path: ['delimiter'], message: 'cannot be a line break' });
  if (/[\r\n]/.test(raw.quote)) problems.push({ path: ['quote'], message: 'cannot be a line break' });
  if (raw.thousandsSeparator === raw.decimalSeparator) {
    problems.push({
      path: ['thousandsSeparator'],
      message: 'is the decimal separator too; they must differ',
    });
  }
  const formats = raw.dateFormats.map((f, i) => {
    const compiled = compileDateFormat(f);
    if (typeof compiled === 'string') problems.push({ path: ['dateFormats', i], message: compiled });
    return compiled;
  });
  const goodFormats = formats.filter((f) => typeof f !== 'string');

  const checkColumn = (column: CsvColumn, path: (string | number)[]) => {
    if (raw.headerRow && typeof column !== 'string') {
      problems.push({
        path,
        message: `is a column number, but headerRow is true: name the column as the header row writes it (quote a name that looks like a number)`,
      });
    } else if (!raw.headerRow && typeof column !== 'number') {
      problems.push({
        path,
        message: 'is a column name, but headerRow is false: give the column number, counting from 1',
      });
    }
  };
  raw.groupBy.forEach((c, i) => checkColumn(c, ['groupBy', i]));

  const checkConstant = (value: string, info: CsvFieldInfo, path: (string | number)[]) => {
    const problem = readValue(value.trim(), info.type, { ...raw, dates: goodFormats });
    if (typeof problem === 'object') problems.push({ path, message: problem.problem });
  };

  const expand = (level: 'document' | 'line'): Record<string, CsvFieldSource> => {
    const key = level === 'document' ? 'documentFields' : 'lineFields';
    const other = level === 'document' ? 'line' : 'document';
    const out: Record<string, CsvFieldSource> = {};
    for (const [name, source] of Object.entries(raw[key])) {
      const info = fields[level][name];
      if (!info) {
        const elsewhere = fields[other][name] !== undefined;
        problems.push({
          path: [key],
          key: name,
          message: elsewhere
            ? `is a ${other} field of ${noun}; put it under ${other === 'line' ? 'lineFields' : 'documentFields'}`
            : `is not a ${level} field of ${noun}${suggestion(name, Object.keys(fields[level]))}; ` +
              `the ${level} fields are: ${Object.keys(fields[level]).join(', ')}`,
        });
        continue;
      }
      if (typeof source === 'string' || typeof source === 'number') {
        checkColumn(source, [key, name]);
        out[name] = { column: source };
      } else if ('value' in source) {
        const value = String(source.value);
        checkConstant(value, info, [key, name, 'value']);
        out[name] = { value };
      } else {
        checkColumn(source.column, [key, name, 'column']);
        if (source.default !== undefined) {
          checkConstant(String(source.default), info, [key, name, 'default']);
          out[name] = { column: source.column, default: String(source.default) };
        } else out[name] = { column: source.column };
      }
    }
    for (const name of Object.keys(out)) {
      const needs = fields[level][name]!.needs;
      if (needs !== undefined && out[needs] === undefined && raw[key][needs] === undefined) {
        problems.push({ path: [key], key: name, message: `needs ${needs} too` });
      }
    }
    const missing = Object.entries(fields[level])
      .filter(([name, i]) => i.required && raw[key][name] === undefined && !(name in out))
      .map(([name]) => name);
    if (missing.length > 0) {
      problems.push({
        path: [],
        key,
        message: `must fill ${missing.join(', ')}: ${noun} cannot do without ${missing.length > 1 ? 'them' : 'it'}`,
      });
    }
    return out;
  };
  const documentFields = expand('document');
  const lineFields = expand('line');

  return { mapping: { ...raw, documentFields, lineFields }, problems };
}

/** The first mapping whose globs match the file name (its last path segment), if any. */
export function selectCsvMapping(mappings: CsvMapping[], fileName: string): CsvMapping | undefined {
  const base = fileName.slice(Math.max(fileName.lastIndexOf('/'), fileName.lastIndexOf('\\')) + 1);
  return mappings.find((m) =>
    m.files.some((glob) => picomatch.isMatch(base, glob, { nocase: true, dot: true })),
  );
}

/** "; did you mean X" for a name a letter or two off a known one (shipmentID, quantityShiped). */
function suggestion(name: string, known: string[]): string {
  const near = known.find((k) => editDistance(name.toLowerCase(), k.toLowerCase()) <= 2);
  return near ? `; did you mean ${near}?` : '';
}
