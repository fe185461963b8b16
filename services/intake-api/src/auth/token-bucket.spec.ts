import { TokenBucket } from './token-bucket';

describe(TokenBucket.name, () => {
  it('lets a burst through, then the sustained rate, and says how long to wait', () => {
    const sut = new TokenBucket(2, 5, 0);

    for (let i = 0; i < 5; i++) expect(sut.take(1, 0)).toEqual({ ok: true });
    expect(sut.take(1, 0)).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(sut.take(1, 500)).toEqual({ ok: true });
    expect(sut.take(1, 500)).toEqual({ ok: false, retryAfterSeconds: 1 });
  });

  it('charges a batch its size and asks it to wait until enough tokens are back', () => {
    const sut = new TokenBucket(10, 100, 0);

    expect(sut.take(100, 0)).toEqual({ ok: true });
    expect(sut.take(50, 1_000)).toEqual({ ok: false, retryAfterSeconds: 4 });
    expect(sut.take(50, 5_000)).toEqual({ ok: true });
  });

  it('never holds more than the burst, however long it was idle', () => {
    const sut = new TokenBucket(1, 3, 0);

    expect(sut.take(4, 3_600_000)).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(sut.take(3, 3_600_000)).toEqual({ ok: true });
  });
});
