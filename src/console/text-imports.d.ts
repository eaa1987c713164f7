// `import x from "./file?text" with { type: "text" }`: the file's contents as a string, embedded
// by `bun build --compile`. The query keeps tsc from type-checking the browser script (its own
// tsconfig, src/console/assets/tsconfig.json, has the DOM types) as part of the server.
declare module "*?text" {
  const text: string;
  export default text;
}
