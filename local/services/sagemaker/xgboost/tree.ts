/**
 * A regression tree in XGBoost's `RegTree` layout: nodes numbered in allocation order (children of a
 * node are allocated together, left then right), a leaf's value kept in its `splitConditions` slot,
 * the unscaled weight in `baseWeights`. Growable arrays so the builder can append nodes.
 */

/** One tree, field for field what the XGBoost 1.7 JSON model holds. */
export class RegTree {
  left: number[] = [-1];
  right: number[] = [-1];
  parent: number[] = [2147483647];
  splitIndex: number[] = [0];
  /** Split threshold (internal node) or leaf value (leaf), float32. */
  splitCondition: number[] = [0];
  defaultLeft: number[] = [0];
  baseWeight: number[] = [0];
  lossChange: number[] = [0];
  sumHessian: number[] = [0];

  get numNodes(): number {
    return this.left.length;
  }

  /** Turns leaf `nid` into a split and allocates its two children (as leaves); returns the left id. */
  expand(nid: number, feature: number, threshold: number, defaultLeft: boolean, lossChange: number): number {
    const l = this.alloc(nid);
    const r = this.alloc(nid);
    this.left[nid] = l;
    this.right[nid] = r;
    this.splitIndex[nid] = feature;
    this.splitCondition[nid] = Math.fround(threshold);
    this.defaultLeft[nid] = defaultLeft ? 1 : 0;
    this.lossChange[nid] = Math.fround(lossChange);
    return l;
  }

  /** Sets the statistics of node `nid` (unscaled weight and hessian sum). */
  setStats(nid: number, baseWeight: number, sumHessian: number): void {
    this.baseWeight[nid] = Math.fround(baseWeight);
    this.sumHessian[nid] = Math.fround(sumHessian);
  }

  /** Makes `nid` a leaf with value `value` (already scaled by eta). */
  setLeaf(nid: number, value: number): void {
    this.left[nid] = -1;
    this.right[nid] = -1;
    this.splitIndex[nid] = 0;
    this.defaultLeft[nid] = 0;
    this.lossChange[nid] = 0;
    this.splitCondition[nid] = Math.fround(value);
  }

  /** The leaf a float32 row reaches (`x < threshold` goes left, NaN follows the default). */
  leafOf(values: Float32Array, offset: number): number {
    let nid = 0;
    while (this.left[nid] !== -1) {
      const x = values[offset + this.splitIndex[nid]!]!;
      if (Number.isNaN(x)) nid = this.defaultLeft[nid] === 1 ? this.left[nid]! : this.right[nid]!;
      else nid = x < this.splitCondition[nid]! ? this.left[nid]! : this.right[nid]!;
    }
    return nid;
  }

  private alloc(parent: number): number {
    const id = this.left.length;
    this.left.push(-1);
    this.right.push(-1);
    this.parent.push(parent);
    this.splitIndex.push(0);
    this.splitCondition.push(0);
    this.defaultLeft.push(0);
    this.baseWeight.push(0);
    this.lossChange.push(0);
    this.sumHessian.push(0);
    return id;
  }

  /**
   * XGBoost's `prune` updater (run after the `exact` grower): bottom-up, a split whose two children
   * are leaves becomes a leaf (value `eta × base_weight`) when its `loss_chg < gamma` (or it is
   * deeper than `maxDepth`), recursively. Returns the compacted tree (pruned nodes dropped, order
   * kept) and each old node's new id (-1 = pruned).
   */
  prune(gamma: number, maxDepth: number, eta: number): { tree: RegTree; newId: Int32Array } {
    const n = this.numNodes;
    const deleted = new Uint8Array(n);
    const leafChildren = new Uint8Array(n);
    const depth = new Int32Array(n);
    for (let nid = 1; nid < n; nid++) depth[nid] = depth[this.parent[nid]!]! + 1;
    const needPrune = (loss: number, d: number): boolean => loss < gamma || (maxDepth !== 0 && d > maxDepth);
    let pruned = 0;
    for (let start = 0; start < n; start++) {
      if (deleted[start] === 1 || this.left[start] !== -1) continue;
      let nid = start;
      while (nid !== 0) {
        const pid = this.parent[nid]!;
        leafChildren[pid] = leafChildren[pid]! + 1;
        if (leafChildren[pid]! >= 2 && needPrune(this.lossChange[pid]!, depth[nid]! - 1)) {
          deleted[this.left[pid]!] = 1;
          deleted[this.right[pid]!] = 1;
          this.setLeaf(pid, this.baseWeight[pid]! * eta);
          pruned += 2;
          nid = pid;
        } else {
          break;
        }
      }
    }
    const newId = new Int32Array(n).fill(-1);
    if (pruned === 0) {
      for (let i = 0; i < n; i++) newId[i] = i;
      return { tree: this, newId };
    }
    const out = new RegTree();
    let next = 0;
    for (let i = 0; i < n; i++) if (deleted[i] === 0) newId[i] = next++;
    const keep = (arr: number[]): number[] => arr.filter((_, i) => deleted[i] === 0);
    out.splitIndex = keep(this.splitIndex);
    out.splitCondition = keep(this.splitCondition);
    out.defaultLeft = keep(this.defaultLeft);
    out.baseWeight = keep(this.baseWeight);
    out.lossChange = keep(this.lossChange);
    out.sumHessian = keep(this.sumHessian);
    const remap = (v: number): number => (v === -1 ? -1 : newId[v]!);
    out.left = keep(this.left).map(remap);
    out.right = keep(this.right).map(remap);
    out.parent = keep(this.parent).map((v, i) => (i === 0 ? 2147483647 : newId[v]!));
    return { tree: out, newId };
  }
}
