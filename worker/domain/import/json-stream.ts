// Reading a JSON export as a stream: each value at one path is handed on as soon as it is complete and
// then dropped from the document, so a file of any size holds one record at a time. Errors name the
// place reached (the last record's number) and make the file unreadable as a whole.
import { JSONParser } from "@streamparser/json";
import { ImportFileError, type ImportSink } from "./rows";

export class JsonRecordStream {
  private readonly parser: JSONParser;
  private sink: ImportSink | null = null;
  /** Records handed on so far: the 1-based number of the next one is `count + 1`. */
  count = 0;

  /** `path` selects the records (e.g. `$.pulses.*`); `unit` names them in messages. */
  constructor(
    path: string,
    private readonly unit: string,
    onRecord: (value: unknown, at: number, sink: ImportSink) => void,
  ) {
    this.parser = new JSONParser({ paths: [path], keepStack: false });
    this.parser.onValue = ({ value }) => onRecord(value, ++this.count, this.sink!);
    this.parser.onError = (error) => {
      throw new ImportFileError(`The file is not valid JSON (after ${unit} ${this.count}): ${error.message}`);
    };
  }

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
}
