// Which services answer: any HTTP response counts (a 300 discovery document or a 401 both prove life).
export interface Probe {
  name: string;
  url: string;
  up: boolean;
  status?: number;
  error?: string;
}

export async function probeServices(urls: Record<string, string>, timeoutMs = 3000): Promise<Probe[]> {
  return Promise.all(
    Object.entries(urls).map(async ([name, url]) => {
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
        await res.body?.cancel();
        return { name, url, up: true, status: res.status };
      } catch (e) {
        return { name, url, up: false, error: (e as Error).cause ? String((e as Error).cause) : String(e) };
      }
    }),
  );
}
