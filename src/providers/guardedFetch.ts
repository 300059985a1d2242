// The guarded fetch moved to src/net (media downloads use it too, and media sits below providers).
// This re-export keeps `src/activities/callbacks.ts` compiling until the activities rewrite imports
// `../net/guardedFetch` itself; nothing else should import this path.
export * from '../net/guardedFetch';
