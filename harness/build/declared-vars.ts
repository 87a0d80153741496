/** The variables a Dockerfile declares with ARG and ENV, in any stage, read with dockerfile-ast. */
import { PropertyInstruction } from 'dockerfile-ast';
import type { ParsedDockerfile } from './dockerfile.ts';

export interface DeclaredVar {
  keyword: 'ARG' | 'ENV';
  name: string;
  /** Zero-based line of the instruction. */
  line: number;
}

export function declaredVars(parsed: ParsedDockerfile): DeclaredVar[] {
  const out: DeclaredVar[] = [];
  for (const ins of parsed.ast.getInstructions()) {
    const keyword = ins.getKeyword();
    if ((keyword !== 'ARG' && keyword !== 'ENV') || !(ins instanceof PropertyInstruction)) continue;
    for (const prop of ins.getProperties()) {
      const name = prop.getName();
      if (name) out.push({ keyword, name, line: ins.getRange().start.line });
    }
  }
  return out;
}
