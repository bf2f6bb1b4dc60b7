import type { Command } from 'commander';
import { register as journalCommands } from './journal';
import { register as barcodeCommands } from './barcode';
import { register as hubCommands } from './hub';
import { register as ledgerCommands } from './ledger';
import { register as simulateCommands } from './simulate';
import { register as devicesCommands } from './devices';
import { register as registerCommands } from './register';
import { register as demoCommands } from './demo';
import { register as booksCommands } from './books';

// Each module adds its commands to the program. Areas append their module here.
export type RegisterCommands = (program: Command) => void;

export const COMMANDS: RegisterCommands[] = [journalCommands, barcodeCommands, hubCommands, ledgerCommands, simulateCommands, devicesCommands, registerCommands, demoCommands, booksCommands];
