import { runAction } from '@mlops-actions/core';
import { action } from './main.js';

await runAction(action);
