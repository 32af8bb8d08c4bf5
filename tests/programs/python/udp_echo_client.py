# asyncio UDP client: sends three datagrams to host "server", prints each reply and when it came.
import asyncio, time

class Client(asyncio.DatagramProtocol):
    def __init__(self, done):
        self.done = done
        self.got = []
    def datagram_received(self, data, addr):
        self.got.append(data)
        print('reply', data.decode(), 'from', addr[0], 'at', round(time.time() - 946684800, 6), flush=True)
        if len(self.got) == 3:
            self.done.set_result(True)

async def main():
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    transport, proto = await loop.create_datagram_endpoint(lambda: Client(done), remote_addr=('server', 9999))
    for i in range(3):
        transport.sendto(f'hello {i}'.encode())
        await asyncio.sleep(0.5)
    await asyncio.wait_for(done, 5)
    transport.close()

asyncio.run(main())
