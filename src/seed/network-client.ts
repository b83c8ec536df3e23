// The network service's entry in the typed client registry. It belongs next to NetworkClient in
// src/network/client.ts (as identity's and image's do), which is being reworked in another branch; it moves
// there, with a `remote` HTTP client on networkService, when that work lands. Until then a caller of the
// network service must run in the process that serves it (the composition root says so at start).
import type { NetworkClient } from '../network/client.ts';

declare module '../platform/service.ts' {
  interface ServiceClients {
    network: NetworkClient;
  }
}
