/**
 * What the WGSL file says: its header comment as documentation, the source with line numbers and
 * highlighting (#source), and the binding table and uniform fields read by reflection (#bindings).
 */
import { WgslReflect } from 'wgsl_reflect';
import { type KernelInfo, reflectKernel } from '../../engine/kernel.ts';
import { code, h, table } from './dom.ts';
import { highlightWgsl } from './wgsl-highlight.ts';

/** The leading `//` block of a source, without the slashes (the file's documentation). */
export function headerComment(source: string): string {
  const lines: string[] = [];
  for (const line of source.split('\n')) {
    const m = /^\s*\/\/ ?(.*)$/.exec(line);
    if (!m) break;
    lines.push(m[1]);
  }
  return lines.join('\n');
}

/** Binding number -> its element type as written (array<vec4f> -> vec4f), from wgsl_reflect. */
function elementTypes(source: string): Map<number, string> {
  const out = new Map<number, string>();
  const r = new WgslReflect(source);
  for (const group of r.getBindGroups()) {
    for (const v of group ?? []) {
      if (!v) continue;
      const t = v.type as { name?: string; format?: { name?: string } } | null;
      out.set(v.binding, t?.format?.name ?? t?.name ?? '?');
    }
  }
  return out;
}

/** Reflects a kernel for the page; a reflection failure becomes a message rather than a blank page. */
export function reflectForPage(name: string, source: string): { info: KernelInfo | null; types: Map<number, string>; error: string | null } {
  try {
    return { info: reflectKernel(name, source), types: elementTypes(source), error: null };
  } catch (e) {
    return { info: null, types: new Map(), error: `reflection of ${name}.wgsl failed: ${(e as Error).message}` };
  }
}

/** The source with a line-number gutter (#source's content). */
export function renderSource(container: HTMLElement, name: string, source: string): void {
  const lines = source.replace(/\n$/, '').split('\n');
  const gutter = h('pre', 'gutter', lines.map((_, i) => String(i + 1)).join('\n'));
  gutter.setAttribute('aria-hidden', 'true');
  const body = h('code', 'hljs language-wgsl');
  body.innerHTML = highlightWgsl(lines.join('\n')); // highlight.js escapes the source
  const pre = h('pre', 'code', body);
  container.replaceChildren(
    h('div', 'source-head', h('h2', '', `src/shaders/${name}.wgsl`), h('span', 'note', `${lines.length} lines`)),
    h('div', 'source-scroll', gutter, pre),
  );
}

/** The storage bindings and uniform fields (#bindings' content). */
export function renderBindings(container: HTMLElement, reflected: ReturnType<typeof reflectForPage>): void {
  const { info, types, error } = reflected;
  if (!info) {
    container.replaceChildren(h('h2', '', 'Bindings'), h('p', 'message bad', error ?? 'no reflection'));
    return;
  }
  const rows = [
    ...(info.uniform ? [[String(0), info.uniform.name === 'U' ? 'u' : info.uniform.name, 'uniform', `struct ${info.uniform.name} (${info.uniform.size} bytes)`]] : []),
    ...info.storage.map((s) => [String(s.binding), s.name, s.access, types.get(s.binding) ?? '?']),
  ];
  const bindings = table(['binding', 'name', 'access', 'element type'], rows, 'table bindings-table');
  for (const tr of bindings.tBodies[0].rows) tr.dataset.name = tr.cells[1].textContent ?? '';
  const fields = info.uniform?.fields ?? [];
  const uniforms = fields.length
    ? table(['field', 'offset', 'type'], fields.map((f) => [f.name, String(f.offset), f.type]), 'table uniforms-table')
    : h('p', 'note', 'no uniform struct');
  container.replaceChildren(
    h('div', 'two-tables',
      h('div', '', h('h2', '', 'Bindings ', h('span', 'sub', 'group 0, by reflection')), bindings),
      h('div', '', h('h2', '', 'Uniform fields ', h('span', 'sub', info.uniform ? `struct ${info.uniform.name}` : '')), uniforms)),
    h('p', 'note', 'Overrides (compile-time constants): ', ...(info.overrides.length ? info.overrides.flatMap((o, i) => [i ? ', ' : '', code(o)]) : ['none'])),
  );
}
