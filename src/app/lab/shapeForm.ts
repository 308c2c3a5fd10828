/**
 * The shape form: a select of the shapes offered for the kernel (the small one, then the presets'
 * real layers that fit it) and an input for every dim the kernel takes (for conv kernels the conv
 * as a person describes it: N, H, W, CI, CO, K, S, padding). Editing a field makes the shape
 * "custom"; the derived dims and any problem with the shape are shown under the fields.
 */
import type { Dims, KernelRow } from '../../engine/kernels.ts';
import { type NamedDims, offeredShapes } from '../../lab/shapes.ts';
import { shapeName } from '../../lab/cases.ts';
import { h } from './dom.ts';
import { type Fields, ShapeProblem, dimsFromFields, dimsText, fieldSpecs, fieldsFromDims } from './shape.ts';

export class ShapeForm {
  private row!: KernelRow;
  private offered: NamedDims[] = [];
  private readonly select = h('select', 'shape-select');
  private readonly grid = h('div', 'shape-fields');
  private readonly derived = h('div', 'note derived');
  private readonly problem = h('div', 'message bad shape-problem');
  private inputs = new Map<string, HTMLInputElement | HTMLSelectElement>();

  /** `onChange` runs after every edit (the page updates the URL and the cost figures). */
  constructor(container: HTMLElement, private readonly onChange: () => void) {
    this.select.id = 'shape-select';
    this.select.setAttribute('aria-label', 'shape');
    this.select.addEventListener('change', () => {
      const i = Number(this.select.value);
      if (i >= 0) this.fill(fieldsFromDims(this.row, this.offered[i].dims));
      this.refresh();
    });
    container.replaceChildren(h('label', 'shape-pick', h('span', '', 'Shape'), this.select), this.grid, this.derived, this.problem);
  }

  /** Shows the kernel's fields: `fields` (e.g. from the URL) over its small shape. */
  setKernel(row: KernelRow, fields: Fields = {}): void {
    this.row = row;
    this.offered = offeredShapes(row);
    this.select.replaceChildren(
      ...this.offered.map((s, i) => new Option(`${s.label}: ${shapeName(row, s.dims)}`, String(i))),
      new Option('custom (edit the fields)', '-1'),
    );
    this.inputs.clear();
    this.grid.replaceChildren();
    for (const f of fieldSpecs(row)) {
      let input: HTMLInputElement | HTMLSelectElement;
      if (f.kind === 'padding') {
        input = h('select');
        input.append(new Option('same', 'same'), new Option('valid', 'valid'));
      } else {
        input = h('input');
        input.type = 'number';
        input.min = '1';
        input.step = '1';
      }
      input.id = `dim-${f.key}`;
      input.dataset.dim = f.key;
      input.title = f.title;
      input.addEventListener('input', () => this.refresh());
      input.addEventListener('change', () => this.refresh());
      this.inputs.set(f.key, input);
      this.grid.append(h('label', 'dim', h('span', '', f.key === 'padding' ? 'pad' : f.key), input));
    }
    this.fill({ ...fieldsFromDims(row, this.offered[0].dims), ...fields });
    this.refresh(false);
  }

  /** The fields as typed. */
  fields(): Fields {
    return Object.fromEntries([...this.inputs].map(([k, i]) => [k, i.value]));
  }

  /** The dims, or the problem with the shape. */
  result(): { dims: Dims; error: null } | { dims: null; error: string } {
    try {
      return { dims: dimsFromFields(this.row, this.fields()), error: null };
    } catch (e) {
      if (e instanceof ShapeProblem) return { dims: null, error: e.message };
      return { dims: null, error: `bad shape: ${(e as Error).message}` };
    }
  }

  /** The offered shapes (for "time all shapes"). */
  shapes(): NamedDims[] { return this.offered; }

  /** The selected offered shape's label, or 'custom'. */
  label(): string {
    const i = Number(this.select.value);
    return i >= 0 ? this.offered[i].label : 'custom';
  }

  /** Selects an offered shape by index (filling the fields). */
  choose(i: number): void {
    this.select.value = String(i);
    this.fill(fieldsFromDims(this.row, this.offered[i].dims));
    this.refresh(false);
  }

  /** Enables or disables editing (while a run is in flight). */
  setDisabled(disabled: boolean): void {
    this.select.disabled = disabled;
    for (const i of this.inputs.values()) i.disabled = disabled;
  }

  private fill(fields: Fields): void {
    for (const [k, i] of this.inputs) if (fields[k] !== undefined) i.value = fields[k];
  }

  /** Re-derives the dims, matches them to an offered shape, and shows the outcome. */
  private refresh(notify = true): void {
    const r = this.result();
    for (const i of this.inputs.values()) i.classList.toggle('invalid', r.error !== null && r.error.startsWith(`${i.dataset.dim} `));
    if (r.dims) {
      const match = this.offered.findIndex((s) => sameDims(s.dims, r.dims));
      this.select.value = String(match);
      this.derived.textContent = `${shapeName(this.row, r.dims)} · dims ${dimsText(r.dims)}`;
      this.problem.hidden = true;
    } else {
      this.select.value = '-1';
      this.derived.textContent = '';
      this.problem.textContent = r.error;
      this.problem.hidden = false;
    }
    if (notify) this.onChange();
  }
}

/** The same dims, whatever the key order. */
function sameDims(a: Dims, b: Dims): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}
