// Product names by model, from GetCatalog, fetched once per model and page
// load (the catalog changes rarely; a reload picks a change up). Reason
// sentences need the names of products that are not offered.

import { getCatalog, listModels } from "./api";
import type { ProductNames } from "./reasons";

const catalogs = new Map<string, Promise<ProductNames>>();

export function productNames(modelName: string): Promise<ProductNames> {
  let names = catalogs.get(modelName);
  if (names === undefined) {
    names = getCatalog(modelName).then(
      (c) => new Map((c.catalog ?? []).map((p) => [p.productId ?? "", p.name ?? p.productId ?? ""])),
    );
    // A failure is not cached: the next caller tries again.
    names.catch(() => catalogs.delete(modelName));
    catalogs.set(modelName, names);
  }
  return names;
}

// Fetches every model's catalog ahead of the first lookup.
export function prefetchCatalogs(): void {
  listModels()
    .then((r) => {
      for (const m of r.models ?? []) {
        if (m.modelName !== undefined) productNames(m.modelName).catch(() => undefined);
      }
    })
    .catch(() => undefined);
}
