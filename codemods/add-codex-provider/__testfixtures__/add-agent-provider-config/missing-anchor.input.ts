import path from 'path';

export const ASSISTANT_NAME = process.env.ASSISTANT_NAME || 'Andy';
export const DATA_DIR = path.resolve(process.cwd(), 'data');
