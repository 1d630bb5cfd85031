/** A max-heap on commit date: newest first, like git's commit queue. Ties keep insertion order. */
export class DateQueue<T extends { date: number }> {
  private readonly heap: { item: T; seq: number }[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  peek(): T | undefined {
    return this.heap[0]?.item;
  }

  push(item: T): void {
    const heap = this.heap;
    heap.push({ item, seq: this.seq++ });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(heap[i]!, heap[parent]!)) break;
      [heap[parent], heap[i]] = [heap[i]!, heap[parent]!];
      i = parent;
    }
  }

  pop(): T | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let first = i;
        if (left < heap.length && this.before(heap[left]!, heap[first]!)) first = left;
        if (right < heap.length && this.before(heap[right]!, heap[first]!)) first = right;
        if (first === i) break;
        [heap[first], heap[i]] = [heap[i]!, heap[first]!];
        i = first;
      }
    }
    return top?.item;
  }

  private before(a: { item: T; seq: number }, b: { item: T; seq: number }): boolean {
    return a.item.date > b.item.date || (a.item.date === b.item.date && a.seq < b.seq);
  }
}
