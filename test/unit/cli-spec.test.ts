import { describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import {
  flag,
  flagsOf,
  type CommandSpec,
  renderCommand,
  renderOverview,
  nearest,
  bashCompletion,
  zshCompletion,
  EXIT,
  EXIT_MEANINGS,
  exitCodeFor,
  UNAVAILABLE_CODES,
  USAGE_CODES
} from '../../node/cli/index.ts'
import { NODE_ERROR_CODES } from '../../node/errors.ts'
import { REASON_CODES } from '../../protocol/errors.ts'

const TOY: CommandSpec = {
  name: 'peers',
  group: 'trust',
  summary: 'manage the trust list',
  subcommands: {
    add: {
      summary: 'add a peer',
      flags: {
        card: flag.string('the trust card', { placeholder: 'FILE' }),
        'max-tlp-out': flag.string('ceiling', { placeholder: 'TLP', choices: ['CLEAR', 'GREEN', 'AMBER'], default: 'AMBER' })
      },
      examples: ['liaison peers add --card b.card.json']
    },
    list: { summary: 'list peers' }
  },
  run: async () => 0
}

describe('command definitions', () => {
  it('help lists every flag of every subcommand with its default, choices and an example', () => {
    const text = renderCommand(TOY)
    for (
      const f of ['--card FILE', '--max-tlp-out TLP', '--data-dir DIR', '--json', 'default AMBER', 'CLEAR|GREEN|AMBER', 'liaison peers add --card b.card.json']
    ) expect(text).toContain(f)
    expect(renderOverview([TOY])).toContain('Trust list and policy:')
  })

  it('flagsOf merges common, command and subcommand flags', () => {
    expect(Object.keys(flagsOf(TOY, 'add')).sort()).toEqual(['card', 'data-dir', 'help', 'json', 'max-tlp-out'])
  })

  it('suggests the nearest name for a typo and nothing for a stranger', () => {
    expect(nearest('peer', ['peers', 'policy'])).toBe('peers')
    expect(nearest('fingerprnt', ['fingerprint', 'card'])).toBe('fingerprint')
    expect(nearest('audti', ['audit', 'inbox'])).toBe('audit')
    expect(nearest('zebra', ['audit', 'inbox'])).toBeUndefined()
  })

  it('maps error codes to the one exit-code table', () => {
    expect(exitCodeFor('BAD_ARGUMENT')).toBe(EXIT.USAGE)
    expect(exitCodeFor('BAD_PEER_ID')).toBe(EXIT.USAGE)
    expect(exitCodeFor('NOT_FOUND')).toBe(EXIT.REFUSED)
    expect(exitCodeFor('TLP_NOT_PERMITTED')).toBe(EXIT.REFUSED)
    expect(exitCodeFor('NODE_NOT_RUNNING')).toBe(EXIT.UNAVAILABLE)
    expect(exitCodeFor('INTERNAL')).toBe(EXIT.INTERNAL)
  })

  it('every error code of the catalogue, node and protocol, has one documented exit code; the classes name only real codes', () => {
    const all = [...Object.keys(NODE_ERROR_CODES), ...Object.keys(REASON_CODES)]
    for (const code of all) expect(Object.keys(EXIT_MEANINGS).map(Number), code).toContain(exitCodeFor(code))
    for (const code of [...USAGE_CODES, ...UNAVAILABLE_CODES]) expect(all, code).toContain(code)
    expect(exitCodeFor('INTERNAL')).toBe(EXIT.INTERNAL)
  })

  it('generates bash and zsh completion scripts the shells accept', () => {
    const bash = bashCompletion([TOY])
    expect(bash).toContain("--max-tlp-out) COMPREPLY=( $(compgen -W 'CLEAR GREEN AMBER'")
    execFileSync('bash', ['-n'], { input: bash })
    const zsh = zshCompletion([TOY])
    expect(zsh).toContain("'add:add a peer'")
    try {
      execFileSync('zsh', ['-n'], { input: zsh })
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    }
  })
})
