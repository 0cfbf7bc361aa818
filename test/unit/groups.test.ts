import { describe, expect, it } from 'vitest';
import { inGroupsOf } from '../../functions/shared/groups.ts';

describe('inGroupsOf', () => {
  it('keeps order, fills every group but the last, and gives nothing for nothing', () => {
    expect(inGroupsOf([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(inGroupsOf([1, 2, 3, 4], 2)).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(inGroupsOf([], 10)).toEqual([]);
  });
});
