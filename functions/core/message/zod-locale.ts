/**
 * The schemas use zod/mini: the same validation engine as zod, in a tree-shakable form. Mini
 * loads no error messages by default; importing this module loads the English ones, once.
 * (Import `zod/mini` itself as a namespace in each schema file and never re-export that
 * namespace: a re-exported namespace defeats tree-shaking and pulls every locale in.)
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());
