export async function main (argv: string[]): Promise<number> {
  console.log('liaison', argv)
  return 0
}
