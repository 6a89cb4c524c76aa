import { test } from 'node:test';
import assert from 'node:assert/strict';
import { humanDuration } from './human-duration';

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const day = 24 * h;
const week = 7 * day;
const month = 30 * day;
const year = 365 * day;

// go-units' documented cases: truncation below an hour and above a day, hours rounded
const table: Array<[number, string]> = [
  [450, 'Less than a second'],
  [1 * s, '1 second'],
  [1.9 * s, '1 second'],
  [45 * s, '45 seconds'],
  [59 * s + 999, '59 seconds'],
  [60 * s, 'About a minute'],
  [119 * s, 'About a minute'],
  [3 * m, '3 minutes'],
  [35 * m + 40 * s, '35 minutes'],
  [59 * m + 59 * s, '59 minutes'],
  [1 * h, 'About an hour'],
  [1 * h + 29 * m, 'About an hour'],
  [1 * h + 31 * m, '2 hours'],
  [3 * h + 29 * m, '3 hours'],
  [3 * h + 31 * m, '4 hours'],
  [24 * h, '24 hours'],
  [day + 12 * h, '36 hours'],
  [47 * h + 29 * m, '47 hours'],
  [2 * day, '2 days'],
  [60 * h, '2 days'],
  [3 * day + 23 * h, '3 days'],
  [7 * day, '7 days'],
  [13 * day + 5 * h, '13 days'],
  [2 * week, '2 weeks'],
  [2 * week + 4 * day, '2 weeks'],
  [4 * week + 3 * day, '4 weeks'],
  [month, '4 weeks'],
  [month + 2 * week, '6 weeks'],
  [2 * month, '2 months'],
  [3 * month + week, '3 months'],
  [5 * month + 2 * week, '5 months'],
  [24 * month, '24 months'],
  [24 * month + 2 * week, '2 years'],
  [3 * year + 2 * month, '3 years'],
];

test('humanDuration follows go-units HumanDuration', () => {
  for (const [ms, want] of table) assert.equal(humanDuration(ms), want, `${ms} ms`);
});
