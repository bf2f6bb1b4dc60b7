/** A refusal of books input with a code the API and CLI keep (docs/books.md). */
export class BooksInputError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'BooksInputError';
  }
}
