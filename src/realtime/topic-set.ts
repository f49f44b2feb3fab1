/**
 * One client's subscriptions as a radix tree (compressed trie) of topic strings, so that
 * "does any subscription prefix-match this event's topic?" costs the length of the topic, not the
 * number of subscriptions, and adding or removing one costs the length of that topic.
 * Matching is plain string prefix (topics.ts `topicMatches`), so the tree is over characters, and
 * compressed so it holds O(subscriptions) nodes however long the topics are.
 */

class RadixNode {
  /** Children by the first character of their edge label. */
  readonly children = new Map<string, RadixNode>();
  /** A subscription ends here. */
  terminal = false;

  constructor(
    /** The characters from the parent to here. */
    public edge: string,
  ) {}
}

/** Length of the common prefix of `a` from `from` and `b`. */
function commonLength(a: string, from: number, b: string): number {
  let i = 0;
  while (i < b.length && from + i < a.length && a.charCodeAt(from + i) === b.charCodeAt(i)) i++;
  return i;
}

export class TopicSet {
  private readonly root = new RadixNode('');
  private readonly members = new Set<string>();
  /**
   * Characters compared and nodes visited, over the set's life: what the work of subscribing and
   * matching is measured by (tests assert it grows linearly, benchmarks print it).
   */
  steps = 0;

  get size(): number {
    return this.members.size;
  }

  has(topic: string): boolean {
    return this.members.has(topic);
  }

  values(): IterableIterator<string> {
    return this.members.values();
  }

  /** False when it was already there. */
  add(topic: string): boolean {
    if (this.members.has(topic)) return false;
    this.members.add(topic);
    let node = this.root;
    let at = 0;
    for (;;) {
      this.steps++;
      if (at === topic.length) {
        node.terminal = true;
        return true;
      }
      const child = node.children.get(topic[at]!);
      if (!child) {
        const leaf = new RadixNode(topic.slice(at));
        leaf.terminal = true;
        node.children.set(topic[at]!, leaf);
        this.steps += leaf.edge.length;
        return true;
      }
      const common = commonLength(topic, at, child.edge);
      this.steps += common;
      if (common < child.edge.length) {
        // Split the edge: the shared part becomes a node of its own.
        const middle = new RadixNode(child.edge.slice(0, common));
        child.edge = child.edge.slice(common);
        middle.children.set(child.edge[0]!, child);
        node.children.set(middle.edge[0]!, middle);
        node = middle;
      } else {
        node = child;
      }
      at += common;
    }
  }

  /** False when it was not there. */
  delete(topic: string): boolean {
    if (!this.members.delete(topic)) return false;
    const path: RadixNode[] = [this.root];
    let node = this.root;
    let at = 0;
    while (at < topic.length) {
      this.steps++;
      // Present in `members`, so the path exists edge for edge.
      node = node.children.get(topic[at]!)!;
      at += node.edge.length;
      path.push(node);
    }
    node.terminal = false;
    this.steps += path.length;
    // Prune upwards: drop empty leaves, merge a non-terminal node with its only child.
    for (let i = path.length - 1; i > 0; i--) {
      const current = path[i]!;
      const parent = path[i - 1]!;
      if (current.terminal) break;
      if (current.children.size === 0) {
        parent.children.delete(current.edge[0]!);
        continue;
      }
      if (current.children.size === 1) {
        const [only] = current.children.values();
        only!.edge = current.edge + only!.edge;
        parent.children.set(only!.edge[0]!, only!);
      }
      break;
    }
    return true;
  }

  /** Some subscription is a prefix of `topic` (other than `except`, when given; at least `minLength` long, when given). */
  matches(topic: string, except?: string, minLength = 0): boolean {
    // The subscription at depth d on this path is topic.slice(0, d): it is `except` only at this depth.
    const skipAt = except !== undefined && topic.startsWith(except) ? except.length : -1;
    let node = this.root;
    let at = 0;
    for (;;) {
      this.steps++;
      if (node.terminal && at !== skipAt && at >= minLength) return true;
      if (at === topic.length) return false;
      const child = node.children.get(topic[at]!);
      if (!child) return false;
      const common = commonLength(topic, at, child.edge);
      this.steps += common;
      // The topic ends inside the edge or differs on it: no deeper subscription is a prefix.
      if (common < child.edge.length) return false;
      node = child;
      at += common;
    }
  }
}
