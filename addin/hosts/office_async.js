// Office's callback APIs (xxxAsync(..., callback(asyncResult))) as promises that reject with a HostError.
import { HostError, asHostError } from "./host.js";

// Office.AsyncResultStatus.Failed; compared as the string so this works before Office.js has loaded.
const FAILED = "failed";

/**
 * Run `start(callback)` and settle with asyncResult.value, or reject with HostError(asyncResult.error.message)
 * when asyncResult.status is "failed". A call that throws before calling back rejects the same way.
 * @param {(callback: (result: {status: string, value?: any, error?: {message?: string, code?: number}}) => void) => void} start
 */
export function officeAsync(start) {
  return new Promise((resolve, reject) => {
    try {
      start((result) => {
        if (result?.status === FAILED) {
          const message = result.error?.message || result.error?.name || "Office could not complete the request.";
          reject(new HostError(message));
        } else {
          resolve(result?.value);
        }
      });
    } catch (error) {
      reject(asHostError(error));
    }
  });
}
