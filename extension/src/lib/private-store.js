// Settings a web page must never read or change: the pairing token and the daemon's port.
// chrome.storage.local is open to content scripts (which run inside web pages), so these
// live in the extension origin's IndexedDB, which only the background and the extension's
// own pages can open.

const DATABASE = "baitwatch-private";
const STORE = "settings";

function openDatabase() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DATABASE, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function transact(mode, work) {
  const database = await openDatabase();
  try {
    return await new Promise((resolve, reject) => {
      const transaction = database.transaction(STORE, mode);
      const result = work(transaction.objectStore(STORE));
      transaction.oncomplete = () => resolve(result);
      transaction.onerror = () => reject(transaction.error);
    });
  } finally {
    database.close();
  }
}

// The stored values for the keys of `defaults`, each falling back to its default.
export async function readPrivate(defaults) {
  const requests = await transact("readonly", (store) => Object.keys(defaults).map((key) => [key, store.get(key)]));
  return Object.fromEntries(requests.map(([key, request]) => [key, request.result ?? defaults[key]]));
}

export function writePrivate(values) {
  return transact("readwrite", (store) => {
    for (const [key, value] of Object.entries(values)) store.put(value, key);
  });
}

export function removePrivate(key) {
  return transact("readwrite", (store) => store.delete(key));
}
