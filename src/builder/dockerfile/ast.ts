/**
 * The raw Dockerfile AST: what the parser knows before any variable expansion.
 * `args` mirror the "next" chain of upstream's parser so its conformance files
 * can be compared one to one.
 */
import { InvalidArgumentError } from '../../base/errors';

export interface RawInstruction {
  /** Lower-case keyword: 'from', 'run', 'copy', 'env', ... */
  cmd: string;
  /** e.g. ['--from=builder', '--chown=1:1'], quotes and escapes already removed as Docker does. */
  flags: string[];
  /** The values as upstream's AST has them (ENV/LABEL: key, value, '=' or '' triples). */
  args: string[];
  /** Exec (JSON array) form. */
  json: boolean;
  /** The instruction as written, continuation lines joined (used for image history). */
  original: string;
  /** 1-based. */
  startLine: number;
  endLine: number;
  /** ONBUILD's nested instruction. */
  next?: RawInstruction;
  /** RUN/COPY/ADD here-documents, in the order their `<<NAME` words appear. */
  heredocs?: Heredoc[];
}

/** A here-document (`<<EOF`, `<<-EOF`, `<<"EOF"`), as BuildKit's parser reads it. */
export interface Heredoc {
  name: string;
  /** every line up to the terminator, each with its newline */
  content: string;
  /** false when any part of the delimiter was quoted: no variable expansion in the content */
  expand: boolean;
  /** `<<-`: leading tabs are stripped from the content and the terminator line */
  chomp: boolean;
}

export interface ParsedDockerfile {
  escapeToken: string;
  syntax?: string;
  instructions: RawInstruction[];
  warnings: string[];
}

/** Kind InvalidArgument so the API maps it to 400 like any bad build input. */
export class DockerfileParseError extends InvalidArgumentError {
  constructor(message: string, readonly line: number) {
    super(message, 'DOCKERFILE_PARSE');
    this.name = 'DockerfileParseError';
  }

  /** Docker's wording: "dockerfile parse error on line N: <what>". */
  static at(line: number, what: string): DockerfileParseError {
    return new DockerfileParseError(`dockerfile parse error on line ${line}: ${what}`, line);
  }
}
