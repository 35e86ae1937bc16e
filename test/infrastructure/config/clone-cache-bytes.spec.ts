import {
  loadConfig,
  StartupError,
} from '../../../src/infrastructure/config/app-config';

const budget = (value: string | undefined) =>
  loadConfig({ STACKYARD_CLONE_CACHE_BYTES: value }).cloneCacheBytes;

describe('STACKYARD_CLONE_CACHE_BYTES', () => {
  it('is unbounded when unset, empty or 0', () => {
    expect(budget(undefined)).toBeUndefined();
    expect(budget('')).toBeUndefined();
    expect(budget('0')).toBeUndefined();
  });

  it('reads bytes, or K, M, G and T as powers of 1024, with or without iB, in either case', () => {
    expect(budget('1')).toBe(1);
    expect(budget('123456789')).toBe(123_456_789);
    expect(budget('512K')).toBe(512 * 1024);
    expect(budget('500M')).toBe(500 * 1024 ** 2);
    expect(budget('10G')).toBe(10 * 1024 ** 3);
    expect(budget('10GiB')).toBe(10 * 1024 ** 3);
    expect(budget('10g')).toBe(10 * 1024 ** 3);
    expect(budget('2T')).toBe(2 * 1024 ** 4);
  });

  it.each([
    ['10 G'],
    ['1.5G'],
    ['-1'],
    ['10GB'],
    ['10X'],
    ['G'],
    ['lots'],
    ['9999999999999999'],
    ['8192T'],
  ])(
    'refuses %j in one line naming the variable and what is allowed',
    (value) => {
      let message = '';
      try {
        loadConfig({ STACKYARD_CLONE_CACHE_BYTES: value });
      } catch (error) {
        expect(error).toBeInstanceOf(StartupError);
        message = (error as StartupError).message;
      }
      expect(message).toBe(
        `STACKYARD_CLONE_CACHE_BYTES=${JSON.stringify(value)} is not valid: expected a whole number of bytes, or of K, M, G or T (powers of 1024), such as 500M or 10G, at most 9007199254740991 bytes`,
      );
    },
  );
});
