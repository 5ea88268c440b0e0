/** The Buffer global for the browser bundle (esbuild `inject`). */
export { Buffer } from 'buffer'
