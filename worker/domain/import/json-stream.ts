// Reading a JSON export as a stream: each value at one path is handed on as soon as it is complete and
// then dropped from the document, so a file of any size holds one record at a time. Errors name the
// place reached (the last record's number) and make the file unreadable as a whole.
import { JSONParser } from "@streamparser/json";
import { ImportFileError, type ImportParser, type ImportSink } from "./rows";

/** An import parser of JSON records at `path` (e.g. `$.pulses.*`), named `unit` in messages; a format implements `record`. */
export abstract class JsonRecordParser implements ImportParser {
  private readonly parser: JSONParser;
  private sink: ImportSink | null = null;
  /** Records handed on so far. */
  private count = 0;

  constructor(
    path: string,
    private readonly unit: string,
  ) {
    this.parser = new JSONParser({ paths: [path], keepStack: false });
    this.parser.onValue = ({ value }) => this.record(value, ++this.count, this.sink!);
    this.parser.onError = (error) => {
      throw new ImportFileError(`The file is not valid JSON (after ${unit} ${this.count}): ${error.message}`);
    };
  }

  /** One record, `at` its 1-based number in the file. */
  protected abstract record(value: unknown, at: number, sink: ImportSink): void;

  feed(bytes: Uint8Array, sink: ImportSink): void {
    this.sink = sink;
    try {
      this.parser.write(bytes);
    } catch (error) {
      throw error instanceof ImportFileError
        ? error
        : new ImportFileError(`The file is not valid JSON (after ${this.unit} ${this.count}).`);
    }
  }

  finish(sink: ImportSink): void {
    this.sink = sink;
    if (!this.parser.isEnded) {
      try {
        this.parser.end();
      } catch {
        throw new ImportFileError(`The file ends before its JSON does (after ${this.unit} ${this.count}).`);
      }
    }
  }

  buffered(): number {
    return 0; // the tokenizer keeps only the token it is in; records are dropped once handed on
  }
}
