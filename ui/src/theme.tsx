import { useMemo, type ReactNode } from "react";
import { createTheme, ThemeProvider, useMediaQuery, type ThemeOptions } from "@mui/material";
import { DockerMuiV6ThemeProvider } from "@docker/docker-mui-theme";

declare global {
  interface Window {
    __ddMuiV6Themes?: { light: ThemeOptions; dark: ThemeOptions };
  }
}

// Docker Desktop hands its extensions the theme (window.__ddMuiV6Themes),
// which @docker/docker-mui-theme applies. Served by `bulkhead serve` there
// is none, so the page uses the same shape with Docker's colours, light or
// dark as the system prefers.
const standalone: Record<"light" | "dark", ThemeOptions> = {
  light: {
    palette: { mode: "light", primary: { main: "#1d63ed" }, background: { default: "#f9fafb", paper: "#ffffff" } },
    typography: { fontFamily: "Roboto, Helvetica, Arial, sans-serif", h3: { fontSize: "1.75rem", fontWeight: 600 } },
    shape: { borderRadius: 4 },
  },
  dark: {
    palette: { mode: "dark", primary: { main: "#4c8bf5" }, background: { default: "#202124", paper: "#2b2d31" } },
    typography: { fontFamily: "Roboto, Helvetica, Arial, sans-serif", h3: { fontSize: "1.75rem", fontWeight: 600 } },
    shape: { borderRadius: 4 },
  },
};

export function Theme({ children }: { children: ReactNode }) {
  if (window.__ddMuiV6Themes) return <DockerMuiV6ThemeProvider>{children}</DockerMuiV6ThemeProvider>;
  return <StandaloneTheme>{children}</StandaloneTheme>;
}

function StandaloneTheme({ children }: { children: ReactNode }) {
  const dark = useMediaQuery("(prefers-color-scheme: dark)", { noSsr: true });
  const theme = useMemo(() => createTheme(standalone[dark ? "dark" : "light"]), [dark]);
  return <ThemeProvider theme={theme}>{children}</ThemeProvider>;
}
