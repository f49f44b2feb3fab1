import type { FakeAmi, FakeFrame } from './fake-ami.js';

/**
 * Asterisk's config files for the fake AMI: `GetConfig` answers `Category-NNNNNN` / `Line-NNNNNN-NNNNNN: key=value`
 * as main/manager.c action_getconfig does, and `UpdateConfig` applies its `Action-NNNNNN` edits to a copy and
 * saves them only if every edit succeeded (handle_updates stops at the first failure and nothing is saved).
 * DelCat and RenameCat act on every category of the name (same-named PJSIP objects). A leading `>` of an Append/Update value is Asterisk's "object" mark (`=>`) and is not part of the value.
 * `ModuleLoad` with `LoadType: reload` answers success unless `reloadError` is set.
 */
export interface FakeLine {
  readonly key: string;
  readonly value: string;
}
export interface FakeCategory {
  readonly name: string;
  lines: FakeLine[];
}

export class FakeConfigFiles {
  readonly files = new Map<string, FakeCategory[]>();
  /** UpdateConfig actions received so far (saved or not). */
  updates = 0;
  /** When set, the UpdateConfig of this number (1-based, counted from now on) fails with this message. */
  failUpdate: { at: number; readonly message: string } | undefined;
  reloadError: string | undefined;
  readonly reloads: string[] = [];
  /** Called after a successful reload (a test re-scripts what the module's list actions answer). */
  onReload: ((module: string) => void) | undefined;

  constructor(fake: FakeAmi) {
    fake.on('GetConfig', (action) => this.getConfig(action));
    fake.on('UpdateConfig', (action) => this.updateConfig(action));
    fake.on('ModuleLoad', (action) => {
      this.reloads.push(action.module ?? '');
      if (this.reloadError !== undefined) return [{ Response: 'Error', Message: this.reloadError }];
      this.onReload?.(action.module ?? '');
      return [{ Response: 'Success', Message: 'Module reloaded.' }];
    });
  }

  set(file: string, categories: Record<string, Record<string, string | string[]>>): void {
    this.files.set(file, Object.entries(categories).map(([name, lines]) => ({
      name,
      lines: Object.entries(lines).flatMap(([key, value]) => (Array.isArray(value) ? value : [value]).map((v) => ({ key, value: v }))),
    })));
  }

  /** The file as plain JSON (section -> key -> value or values), for equality checks. */
  get(file: string): Record<string, Record<string, string | string[]>> {
    const out: Record<string, Record<string, string | string[]>> = {};
    for (const category of this.files.get(file) ?? []) {
      const section: Record<string, string | string[]> = (out[category.name] = {});
      for (const { key, value } of category.lines) {
        const existing = section[key];
        section[key] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
      }
    }
    return out;
  }

  private getConfig(action: Readonly<Record<string, string>>): FakeFrame[] {
    const categories = this.files.get(action.filename ?? '');
    if (!categories) return [{ Response: 'Error', Message: 'Config file not found' }];
    const frame: Record<string, string> = { Response: 'Success' };
    categories.forEach((category, c) => {
      const n = String(c).padStart(6, '0');
      frame[`Category-${n}`] = category.name;
      category.lines.forEach((line, l) => (frame[`Line-${n}-${String(l).padStart(6, '0')}`] = `${line.key}=${line.value}`));
    });
    return [frame];
  }

  private updateConfig(action: Readonly<Record<string, string>>): FakeFrame[] {
    this.updates++;
    const src = this.files.get(action.srcfilename ?? '');
    if (!src) return [{ Response: 'Error', Message: 'Config file not found' }];
    if (this.failUpdate !== undefined && --this.failUpdate.at === 0) {
      const message = this.failUpdate.message;
      this.failUpdate = undefined;
      return [{ Response: 'Error', Message: message }];
    }
    const copy: FakeCategory[] = src.map((c) => ({ name: c.name, lines: [...c.lines] }));
    for (let x = 0; ; x++) {
      const n = String(x).padStart(6, '0');
      const verb = action[`action-${n}`]?.toLowerCase();
      if (verb === undefined || verb === '') break;
      const cat = action[`cat-${n}`] ?? '';
      const variable = action[`var-${n}`] ?? '';
      const raw = action[`value-${n}`] ?? '';
      const value = raw.startsWith('>') ? raw.slice(1).trimStart() : raw;
      const category = copy.find((c) => c.name === cat);
      if (cat === '') return [{ Response: 'Error', Message: 'Category not specified' }];
      switch (verb) {
        case 'newcat':
          if (category) return [{ Response: 'Error', Message: 'Create category did not complete successfully' }];
          copy.push({ name: cat, lines: [] });
          break;
        case 'delcat':
          // Every category of the name goes (pjsip.conf has an endpoint, an aor and an auth `[x]`), as in Asterisk 22.
          if (!category) return [{ Response: 'Error', Message: 'Delete category did not complete successfully' }];
          for (const c of copy.filter((c) => c.name === cat)) copy.splice(copy.indexOf(c), 1);
          break;
        case 'renamecat':
          if (!category || value === '') return [{ Response: 'Error', Message: 'Given category does not exist' }];
          copy.forEach((c, i) => c.name === cat && (copy[i] = { name: value, lines: c.lines }));
          break;
        case 'emptycat':
          if (!category) return [{ Response: 'Error', Message: 'Empty category did not complete successfully' }];
          category.lines = [];
          break;
        case 'append':
          if (!category) return [{ Response: 'Error', Message: 'Given category does not exist' }];
          category.lines.push({ key: variable, value });
          break;
        case 'update': {
          if (!category) return [{ Response: 'Error', Message: 'Given category does not exist' }];
          const match = action[`match-${n}`];
          const index = category.lines.findIndex((l) => l.key === variable && (match === undefined || l.value === match));
          if (index === -1) category.lines.push({ key: variable, value });
          else category.lines[index] = { key: variable, value };
          break;
        }
        case 'delete': {
          if (!category) return [{ Response: 'Error', Message: 'Given category does not exist' }];
          const match = action[`match-${n}`];
          const index = category.lines.findIndex((l) => l.key === variable && (match === undefined || match === '' || l.value === match));
          if (index === -1) return [{ Response: 'Error', Message: 'Delete did not complete successfully' }];
          category.lines.splice(index, 1);
          break;
        }
        default:
          return [{ Response: 'Error', Message: 'Unknown action command' }];
      }
    }
    this.files.set(action.dstfilename ?? '', copy);
    return [{ Response: 'Success' }];
  }
}
