/** A few DOM helpers: text goes in as text (never as HTML), so nothing a caller id says can run. */

type Child = Node | string | number | null | undefined | false;
type Attributes = Record<string, string | number | boolean | undefined | ((event: Event) => void)>;

export function h(tag: string, attributes: Attributes = {}, ...children: Child[]): HTMLElement {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.replace(/^on/, ''), value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === 'object' ? child : String(child));
  }
  return element;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`#${id} missing from index.html`);
  return element as T;
}

/**
 * Replaces a section's content, keeping keyboard focus on the control with the same `data-key`
 * (a re-render must not throw a keyboard user back to the top of the page).
 */
export function replaceContent(container: HTMLElement, ...children: Node[]): void {
  const active = document.activeElement;
  const key = active instanceof HTMLElement && container.contains(active) ? active.dataset.key : undefined;
  container.replaceChildren(...children);
  if (key !== undefined) container.querySelector<HTMLElement>(`[data-key="${CSS.escape(key)}"]`)?.focus();
}

/** `h:mm:ss` or `m:ss`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${rest}` : `${minutes}:${rest}`;
}

/** An element whose text the ticker keeps as the time since (or, with `countdown`, until) `epochMs`. */
export function ticking(epochMs: number | undefined, options: { countdownSeconds?: number } = {}): HTMLElement {
  if (epochMs === undefined) return h('span', {}, '–');
  const attributes: Attributes = { class: 'tick', 'data-since': epochMs };
  if (options.countdownSeconds !== undefined) attributes['data-countdown'] = options.countdownSeconds;
  return h('span', attributes);
}

/** Refreshes every ticking element from the server's clock. */
export function tick(root: ParentNode, serverNow: number): void {
  for (const element of root.querySelectorAll<HTMLElement>('.tick')) {
    const since = Number(element.dataset.since);
    const elapsed = (serverNow - since) / 1000;
    const countdown = element.dataset.countdown;
    const seconds = countdown === undefined ? elapsed : Number(countdown) - elapsed;
    element.textContent = formatDuration(seconds);
  }
}

export const text = (value: unknown): string => (value === null || value === undefined ? '' : String(value));
