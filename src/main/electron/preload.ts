import { contextBridge, ipcRenderer } from 'electron';
import { createPreloadApi } from './preload-api';

// Runs sandboxed (sandbox: true) with context isolation: it can only reach the cashier window
// through contextBridge. The window gets `window.tillstream = { invoke, on }`, nothing else.
contextBridge.exposeInMainWorld('tillstream', createPreloadApi(ipcRenderer));
