import { goTimeString } from './go-time';

describe("Go's time.String() in UTC", () => {
  it.each([
    ['2024-05-30T15:18:10.123Z', '2024-05-30 15:18:10.123 +0000 UTC'],
    ['2024-05-30T15:18:10.120Z', '2024-05-30 15:18:10.12 +0000 UTC'],
    ['2024-05-30T15:18:10.000Z', '2024-05-30 15:18:10 +0000 UTC'],
    ['1970-01-01T00:00:00.001Z', '1970-01-01 00:00:00.001 +0000 UTC'],
  ])('%s → %s', (iso, expected) => {
    expect(goTimeString(new Date(iso))).toBe(expected);
  });
});
