import { createContext, useCallback, useContext, useEffect, useState } from "react";
import { ApiError, get } from "./api";

// Events carries the names of lists that changed, from App's one stream.
export const Events = createContext<{ subscribe: (f: (name: string) => void) => () => void }>({
  subscribe: () => () => {},
});

export interface Loaded<T> {
  data?: T;
  error?: ApiError;
  reload: () => void;
}

// useList fetches path and fetches it again whenever one of the named
// lists changes.
export function useList<T>(path: string, on: string[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: ApiError }>({});
  const { subscribe } = useContext(Events);
  const reload = useCallback(() => {
    get<T>(path).then(
      (data) => setState({ data }),
      (error: ApiError) => setState((s) => ({ data: s.data, error })),
    );
  }, [path]);
  useEffect(() => {
    reload();
    return subscribe((name) => {
      if (on.includes(name) || name === "ready") reload();
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [reload, subscribe, on.join(",")]);
  return { ...state, reload };
}
