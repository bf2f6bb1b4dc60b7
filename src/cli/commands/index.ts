import type { Command } from 'commander';
import { register as journalCommands } from './journal';
import { register as barcodeCommands } from './barcode';

// Each module adds its commands to the program. Areas append their module here.
export type RegisterCommands = (program: Command) => void;

export const COMMANDS: RegisterCommands[] = [journalCommands, barcodeCommands];
