import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { createBrowserClient, createQueryClient } from "./api";
import { App } from "./app/App";
import "./styles.css";

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App client={createBrowserClient()} queryClient={createQueryClient()} />
    </StrictMode>,
  );
}
