// One connection per partner at a time, in this process: the polls of a partner's channels and the
// deliveries to it take turns, so a partner's server never sees us log in twice at once. (Across processes,
// the channel lease makes one process the poller; a delivery from another process may still overlap.)

const tails = new Map<string, Promise<void>>();

export async function withPartnerConnection<T>(partnerId: string, work: () => Promise<T>): Promise<T> {
  const before = tails.get(partnerId) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((r) => (release = r));
  const tail = before.then(() => mine);
  tails.set(partnerId, tail);
  await before;
  try {
    return await work();
  } finally {
    release();
    if (tails.get(partnerId) === tail) tails.delete(partnerId);
  }
}
