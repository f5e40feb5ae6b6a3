/** What an offline run declares in place of a secret it cannot decrypt; it only ever goes into pulumi.secret. */
const unreadableStandIn = "(encrypted in the stack file; not readable offline)";

/**
 * A value that must not be printed: it shows as [secret] and is read only through `reveal`.
 * Offline (`npm start`, `npm run synth`, the tests) a stack file's `secure:` value cannot be
 * decrypted: it is present but unreadable, so what depends on it is still declared.
 */
export class Secret {
    private constructor(private readonly value: string | undefined) {}

    static of(value: string): Secret {
        return new Secret(value);
    }

    /** A secret the stack file holds encrypted (`secure: v1:…`), read where it cannot be decrypted. */
    static unreadable(): Secret {
        return new Secret(undefined);
    }

    get readable(): boolean {
        return this.value !== undefined;
    }

    /** The value; for an unreadable secret, a stand-in that says so (only a real CLI decrypts). */
    reveal(): string {
        return this.value ?? unreadableStandIn;
    }

    toString(): string {
        return "[secret]";
    }

    toJSON(): string {
        return "[secret]";
    }
}
