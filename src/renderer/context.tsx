import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import type { RegisterApi, StoreInfo, StreamData, StreamName } from '../core/register-api';
import { RegisterError } from '../core/register-api';

export interface Approval {
  manager_pin: string;
}

interface Ctx {
  api: RegisterApi;
  store: StoreInfo;
  setStore(s: StoreInfo): void;
  /** Runs fn; if the main process answers APPROVAL_REQUIRED, asks for a manager PIN and runs it again. */
  withApproval<T>(what: string, fn: (approval?: Approval) => Promise<T>): Promise<T | undefined>;
  notify(message: string, kind?: 'error' | 'info'): void;
  /**
   * While a dialog waits for a card (loyalty or gift card), a scan goes to it instead of the
   * sale; null gives the scanner back. The claim of the last dialog opened wins.
   */
  claimScanner(onScan: ((data: string) => void) | null): void;
}

const RegisterCtx = createContext<Ctx | null>(null);
export const RegisterProvider = RegisterCtx.Provider;

export function useRegister(): Ctx {
  const c = useContext(RegisterCtx);
  if (!c) throw new Error('useRegister outside RegisterProvider');
  return c;
}

export function useStream<S extends StreamName>(api: RegisterApi, stream: S, initial: StreamData<S>): [StreamData<S>, (v: StreamData<S>) => void] {
  const [value, setValue] = useState<StreamData<S>>(initial);
  useEffect(() => api.on(stream, setValue), [api, stream]);
  return [value, setValue];
}

export function errorMessage(err: unknown): string {
  if (err instanceof RegisterError) return err.message;
  return err instanceof Error ? err.message : String(err);
}

/** Wraps an async UI action: reports failures to the notice bar instead of throwing. */
export function useAction(): <T>(fn: () => Promise<T>) => Promise<T | undefined> {
  const { notify } = useRegister();
  return useCallback(
    async <T,>(fn: () => Promise<T>) => {
      try {
        return await fn();
      } catch (err) {
        notify(errorMessage(err), 'error');
        return undefined;
      }
    },
    [notify],
  );
}

export function Provide({ value, children }: { value: Ctx; children: ReactNode }) {
  return <RegisterProvider value={value}>{children}</RegisterProvider>;
}
