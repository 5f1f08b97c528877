/**
 * A .d.ts for small test projects compiled without the standard library
 * (`noLib`): only the global interfaces the checker insists on. Such a compile
 * takes about a quarter of the CPU of one that parses the library.
 */
export const NO_LIB_GLOBALS = [
  'Array<T>',
  'Boolean',
  'CallableFunction',
  'Function',
  'IArguments',
  'NewableFunction',
  'Number',
  'Object',
  'RegExp',
  'String',
]
  .map((type) => `interface ${type} {}\n`)
  .join('');
