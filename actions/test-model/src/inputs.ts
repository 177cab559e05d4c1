// Inputs of this action are being written; see its issue.
export {};
