import { createHash } from "crypto";

/**
 * The account's S3 buckets, as far as the team's jobnets see them: the objects put in them (a
 * partner's file, `npm start -- --arrive`), each with its size and ETag, read back as HeadObject and
 * ListObjectsV2 answer. A bucket that sends its events to EventBridge sends "Object Created" for
 * every object created (Amazon S3 User Guide, "Using EventBridge"); the account puts it on its bus.
 */

export interface SimObject {
    key: string;
    size: number;
    /** For an object put in one part, the MD5 of its content, in hex (Amazon S3 API reference, Object: ETag). */
    etag: string;
    lastModified: number;
}

/** Where a simulated object comes from: `s3://bucket/key`, put at `atSeconds` of simulated time. */
export interface ObjectArrival {
    bucket: string;
    key: string;
    size: number;
    atSeconds: number;
}

export class SimulatedBuckets {
    private readonly buckets = new Map<string, Map<string, SimObject>>();
    private sequencer = 0;

    /** Puts an object (PutObject), replacing one under the same key, and returns what the "Object Created" event says of it. */
    put(bucket: string, key: string, size: number, now: number): { object: SimObject; detail: Record<string, unknown> } {
        const objects = this.buckets.get(bucket) ?? new Map<string, SimObject>();
        this.buckets.set(bucket, objects);
        const object: SimObject = { key, size, etag: createHash("md5").update(`${bucket}/${key}/${now}`).digest("hex"), lastModified: now };
        objects.set(key, object);
        // The detail of "Object Created" (Amazon S3 User Guide, "EventBridge event message structure").
        const detail = {
            version: "0",
            bucket: { name: bucket },
            object: { key, size, etag: object.etag, sequencer: (++this.sequencer).toString(16).toUpperCase().padStart(18, "0") },
            "request-id": createHash("sha256").update(`${bucket}/${key}/${now}/request`).digest("hex").slice(0, 16).toUpperCase(),
            requester: "123456789012",
            reason: "PutObject",
        };
        return { object, detail };
    }

    /** HeadObject: the object, or undefined where S3 answers 404 Not Found. */
    head(bucket: string, key: string): SimObject | undefined {
        return this.buckets.get(bucket)?.get(key);
    }

    /** ListObjectsV2 of a prefix: the keys in UTF-8 binary order, as S3 lists them (Amazon S3 API reference, ListObjectsV2). */
    list(bucket: string, prefix = ""): SimObject[] {
        return [...(this.buckets.get(bucket)?.values() ?? [])].filter((o) => o.key.startsWith(prefix)).sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
    }
}

/** Parses `s3://bucket/key[@MIN]`: the object and the simulated minute it arrives at (0 unless given). */
export function parseArrival(text: string, size = 1024): ObjectArrival {
    const match = /^s3:\/\/([^/]+)\/(.+?)(?:@(\d+(?:\.\d+)?))?$/.exec(text);
    if (!match) throw new Error(`--arrive ${JSON.stringify(text)}: the form is s3://BUCKET/KEY[@MIN], the minute of simulated time the object arrives at`);
    return { bucket: match[1], key: match[2], size, atSeconds: Math.round(Number(match[3] ?? 0) * 60) };
}
