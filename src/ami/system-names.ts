/** What learning one box's systemname decided. */
export type SystemNameVerdict = { readonly kind: 'ok' } | { readonly kind: 'none' } | { readonly kind: 'collision'; readonly other: string };

/**
 * The systemname each box reported, by node. Asterisk prefixes unique ids with it, so two boxes sharing one
 * (or both having none) could give two channels the same id: a shared name is refused, a missing one warned of.
 */
export class SystemNames {
  private readonly byNode = new Map<string, string>();

  /** The node's systemname ('' for none), undefined until it reported one. */
  of(node: string): string | undefined {
    return this.byNode.get(node);
  }

  learn(node: string, systemName: string): SystemNameVerdict {
    if (systemName !== '') {
      for (const [other, name] of this.byNode) if (other !== node && name === systemName) return { kind: 'collision', other };
    }
    this.byNode.set(node, systemName);
    return systemName === '' ? { kind: 'none' } : { kind: 'ok' };
  }
}
