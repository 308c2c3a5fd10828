/**
 * A small WGSL grammar for highlight.js (which ships none): keywords, types, `@attributes`,
 * builtin functions and values, numbers with their suffixes (1u, 2i, 0.5f, 1e-3h, 0x1Fu), and
 * line/block comments. Registered once as 'wgsl' on highlight.js's core build (no other grammars).
 */
import hljs from 'highlight.js/lib/core';
import type { HLJSApi, Language } from 'highlight.js';

const KEYWORDS = [
  'alias', 'break', 'case', 'const', 'const_assert', 'continue', 'continuing', 'default', 'diagnostic', 'discard',
  'else', 'enable', 'fn', 'for', 'if', 'let', 'loop', 'override', 'requires', 'return', 'struct', 'switch', 'var', 'while',
];

/** Scalar, vector, matrix and resource types, and the address spaces / access modes of `var<...>`. */
const TYPES = [
  'bool', 'f16', 'f32', 'i32', 'u32', 'array', 'atomic', 'ptr', 'sampler', 'sampler_comparison',
  ...['vec2', 'vec3', 'vec4'].flatMap((v) => [v, `${v}f`, `${v}h`, `${v}i`, `${v}u`]),
  ...[2, 3, 4].flatMap((c) => [2, 3, 4].flatMap((r) => [`mat${c}x${r}`, `mat${c}x${r}f`, `mat${c}x${r}h`])),
  'texture_2d', 'texture_3d', 'texture_storage_2d', 'texture_depth_2d',
  'function', 'private', 'workgroup', 'uniform', 'storage', 'read', 'write', 'read_write',
];

const BUILTIN_FUNCTIONS = [
  'abs', 'acos', 'all', 'any', 'arrayLength', 'asin', 'atan', 'atan2', 'atomicAdd', 'atomicLoad', 'atomicMax', 'atomicMin',
  'atomicStore', 'bitcast', 'ceil', 'clamp', 'cos', 'countOneBits', 'cross', 'degrees', 'determinant', 'distance', 'dot',
  'exp', 'exp2', 'extractBits', 'firstLeadingBit', 'floor', 'fma', 'fract', 'inverseSqrt', 'length', 'log', 'log2', 'max',
  'min', 'mix', 'normalize', 'pow', 'radians', 'reverseBits', 'round', 'select', 'sign', 'sin', 'sqrt', 'step', 'tan', 'tanh',
  'transpose', 'trunc', 'storageBarrier', 'workgroupBarrier', 'workgroupUniformLoad', 'pack2x16float', 'unpack2x16float',
  'subgroupAdd', 'subgroupBroadcast', 'subgroupShuffle',
];

/** The values of `@builtin(...)`. */
const BUILTIN_VALUES = [
  'global_invocation_id', 'local_invocation_id', 'local_invocation_index', 'workgroup_id', 'num_workgroups',
  'subgroup_invocation_id', 'subgroup_size',
];

/** A name followed by '(' that is none of the words above (those keep their own colour). */
const OWN_CALL = new RegExp(`\\b(?!(?:${[...KEYWORDS, ...TYPES, ...BUILTIN_FUNCTIONS].join('|')})\\b)[A-Za-z_]\\w*(?=\\s*\\()`);

/** The grammar; `hljs` is highlight.js's API (for its shared comment modes). */
export function wgsl(api: HLJSApi): Language {
  return {
    name: 'WGSL',
    aliases: ['wgsl'],
    keywords: {
      keyword: KEYWORDS,
      type: TYPES,
      literal: ['true', 'false'],
      built_in: [...BUILTIN_FUNCTIONS, ...BUILTIN_VALUES],
    },
    contains: [
      api.C_LINE_COMMENT_MODE,
      api.C_BLOCK_COMMENT_MODE,
      // @compute, @workgroup_size(WG), @group(0), @binding(1), @builtin(...)
      { scope: 'meta', match: /@[A-Za-z_]\w*/ },
      {
        scope: 'number',
        relevance: 0,
        match: /\b(?:0[xX][0-9a-fA-F]+[iu]?|(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?[fhiu]?)\b/,
      },
      // A name followed by '(' that is not a keyword or builtin: a call of one of ours (or a constructor).
      { scope: 'title.function', match: OWN_CALL, relevance: 0 },
    ],
  };
}

let registered = false;

/** The WGSL source as highlighted HTML (escaped; safe to put in innerHTML). */
export function highlightWgsl(source: string): string {
  if (!registered) {
    hljs.registerLanguage('wgsl', wgsl);
    registered = true;
  }
  return hljs.highlight(source, { language: 'wgsl', ignoreIllegals: true }).value;
}
